"""espeak-ng, run as a program: offline, on every machine the set-up ran on (Debian's `espeak-ng` package).

Voices are what `espeak-ng --voices` lists: language codes (`cmn`, `en-us`, `yue`, ...) and the other
names each one answers to (`zh`, `en`), optionally with a variant (`en+f3`, from `--voices=variant`).
With no voice asked for, a sentence with CJK characters is read by `cmn` (Mandarin), anything else by
`en`. `rate` 1.0 is espeak-ng's own default of 175 words a minute. espeak-ng reports no word times.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from capcut_mate.speech.engine import unavailable, unknown_voice
from capcut_mate.speech.text import has_cjk

PROGRAM = "espeak-ng"
NORMAL_WPM = 175
TIMEOUT_S = 120.0


def _program() -> str:
    found = shutil.which(PROGRAM)
    if found is None:
        raise unavailable(
            "espeak",
            "espeak-ng is not installed on the server (apt-get install espeak-ng; `make setup` does it as root)",
        )
    return found


def _listed(program: str, which: str) -> list[tuple[str, list[str]]]:
    """(name, aliases) of each line of `espeak-ng --voices[=variant]`: name is the language or variant file."""
    command = [program, f"--voices={which}" if which else "--voices"]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise unavailable("espeak", f"espeak-ng could not list its voices: {exc}") from exc
    rows = []
    for line in out.splitlines()[1:]:
        columns = line.split()
        if len(columns) < 5:
            continue
        aliases = [part.split()[0] for part in " ".join(columns[5:]).replace(")", "").split("(") if part.strip()]
        rows.append((columns[1] if not which else columns[4].rsplit("/", 1)[-1], aliases))
    return rows


@cache
def _voice_table(program: str) -> tuple[tuple[str, ...], frozenset[str], frozenset[str]]:
    """(languages to show, every accepted name, variants) of the installed espeak-ng."""
    languages = _listed(program, "")
    shown = tuple(sorted({name for name, _ in languages}))
    accepted = frozenset(shown) | {alias for _, aliases in languages for alias in aliases}
    variants = frozenset(name for name, _ in _listed(program, "variant"))
    return shown, accepted, variants


class EspeakEngine:
    name = "espeak"

    @property
    def identity(self) -> str:
        return "espeak"

    def check_voice(self, voice: str) -> None:
        shown, accepted, variants = _voice_table(_program())
        language, _, variant = voice.partition("+")
        if language not in accepted or (variant and variant not in variants):
            raise unknown_voice(self.name, voice, shown, " (a variant may follow a +, e.g. en+f3)")

    def default_voice(self, text: str) -> str:
        return "cmn" if has_cjk(text) else "en"

    def synthesize(self, text: str, voice: str, rate: float) -> bytes:
        program = _program()
        with tempfile.TemporaryDirectory(prefix="capcut-mate-espeak-") as folder:
            out = Path(folder) / "speech.wav"
            # The text goes in on stdin (never as an argument it could be read as an option from), as UTF-8.
            command = [program, "-b", "1", "-v", voice, "-s", str(round(NORMAL_WPM * rate)), "-w", str(out)]
            try:
                done = subprocess.run(command, input=text.encode(), capture_output=True, timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired as exc:
                raise unavailable("espeak", f"espeak-ng took longer than {TIMEOUT_S:.0f} s") from exc
            if done.returncode != 0 or not out.exists():
                message = done.stderr.decode(errors="replace").strip() or f"exit status {done.returncode}"
                raise unavailable("espeak", message)
            return out.read_bytes()
