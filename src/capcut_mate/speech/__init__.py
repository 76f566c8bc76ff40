"""Speech for narration: a script split into sentences and words, synthesised by a TTS engine (espeak-ng on the
machine, or any OpenAI-compatible `/v1/audio/speech` server), cached, and measured for where the voice is."""
