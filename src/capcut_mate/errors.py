"""The one table of error codes the API can answer with, and the exception that carries them.

Codes are stable strings; the human message comes in Chinese (default) or English. `details` says what
exactly was wrong and is never translated away: it names the field, the index, the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorKind:
    code: str
    http_status: int
    zh: str
    en: str


_KINDS = [
    ErrorKind("VALIDATION_ERROR", 400, "请求参数验证失败", "Request validation failed"),
    ErrorKind("INVALID_DRAFT_URL", 400, "无效的草稿URL", "Invalid draft URL"),
    ErrorKind("DRAFT_NOT_FOUND", 404, "草稿不存在", "Draft not found"),
    ErrorKind("NOT_FOUND", 404, "资源不存在", "Not found"),
    ErrorKind("METHOD_NOT_ALLOWED", 405, "请求方法不被允许", "Method not allowed"),
    ErrorKind("UNAUTHORIZED", 401, "未授权:缺少或无效的API密钥", "Unauthorized: missing or invalid API key"),
    ErrorKind("DRAFT_BUSY", 409, "草稿正被其他请求修改,请稍后重试", "The draft is being edited, retry later"),
    ErrorKind("SEGMENT_NOT_FOUND", 404, "片段不存在", "Segment not found"),
    ErrorKind("MATERIAL_NOT_FOUND", 404, "素材不存在", "Material not found"),
    ErrorKind("MEDIA_TOO_SHORT", 400, "新素材时长不足", "The new media is shorter than the segment plays"),
    ErrorKind("MEDIA_DOWNLOAD_FAILED", 422, "素材下载失败", "Media download failed"),
    ErrorKind("MEDIA_URL_FORBIDDEN", 400, "素材URL不被允许", "Media URL not allowed"),
    ErrorKind("MEDIA_TOO_LARGE", 413, "素材文件超过大小限制", "Media file exceeds the size limit"),
    ErrorKind("UNSUPPORTED_MEDIA", 422, "不支持的素材格式", "Unsupported media"),
    ErrorKind("UNSUPPORTED_FONT", 422, "不支持的字体文件", "Unsupported font file"),
    ErrorKind("REQUEST_TOO_LARGE", 413, "请求体超过大小限制", "Request body exceeds the size limit"),
    ErrorKind("VIDEO_TASK_NOT_FOUND", 404, "视频生成任务未找到", "Video generation task not found"),
    ErrorKind("CALLBACK_NOT_FOUND", 404, "该任务没有可重发的回调", "The task has no callback to send again"),
    ErrorKind("VIDEO_STATUS_QUERY_FAILED", 500, "视频任务状态查询失败", "Video task status query failed"),
    ErrorKind("ZIP_INVALID", 422, "不是可读取的zip文件", "Not a readable zip archive"),
    ErrorKind("ZIP_UNSAFE", 422, "zip文件含有不安全的条目", "The zip holds unsafe entries"),
    ErrorKind("ZIP_TOO_LARGE", 413, "zip文件超过大小限制", "The zip exceeds the import limits"),
    ErrorKind("DRAFT_INVALID", 422, "不是可导入的剪映草稿", "Not a CapCut/JianYing draft that can be imported"),
    ErrorKind(
        "DRAFT_ENCRYPTED",
        422,
        "草稿已被剪映加密,无法导入:请用CapCut或旧版剪映重新保存",
        "The app encrypted this draft, so it cannot be imported: save it again with CapCut or an older JianYing",
    ),
    ErrorKind("PREVIEW_FAILED", 422, "预览帧生成失败", "Preview frame could not be drawn"),
    ErrorKind(
        "MEDIA_MISSING",
        422,
        "草稿引用的素材文件不存在,请先替换或重新添加这些素材",
        "Media the draft uses are missing: replace or add them again first",
    ),
    ErrorKind("TTS_ENGINE_UNKNOWN", 400, "语音引擎不存在或未配置", "Unknown or unconfigured speech engine"),
    ErrorKind("TTS_VOICE_UNKNOWN", 400, "语音引擎没有这个音色", "The speech engine has no such voice"),
    ErrorKind("TTS_REJECTED", 400, "语音引擎拒绝了请求", "The speech engine refused the request"),
    ErrorKind("NARRATION_TOO_LONG", 400, "旁白文本超过长度限制", "The narration text is over the length limit"),
    ErrorKind("TTS_UNAVAILABLE", 503, "语音引擎暂时不可用,请稍后重试", "The speech engine is unavailable, retry later"),
    ErrorKind("DISK_FULL", 507, "服务器磁盘空间不足", "The server's disk is full"),
    ErrorKind("SERVICE_BUSY", 503, "服务繁忙,请稍后重试", "Service busy, retry later"),
    ErrorKind(
        "DATABASE_UNAVAILABLE", 503, "数据库暂时不可用,请稍后重试", "The database is unavailable for now, retry later"
    ),
    ErrorKind(
        "STORAGE_UNAVAILABLE", 503, "存储暂时不可用,请稍后重试", "The storage is unavailable for now, retry later"
    ),
    ErrorKind("INTERNAL_ERROR", 500, "服务器内部错误", "Internal server error"),
]

KINDS: dict[str, ErrorKind] = {kind.code: kind for kind in _KINDS}

# A dependency that is down (outages.py) -> the code the API answers with.
UNAVAILABLE_CODES = {"database": "DATABASE_UNAVAILABLE", "storage": "STORAGE_UNAVAILABLE"}
RETRY_AFTER_S = 5  # what every 503 advises in Retry-After

ECHO_CHARS = 120  # how much of a client's own input an error may quote back
DETAILS_CHARS = 1000  # an error's details never grow with the size of the request


def clip(value: object, limit: int = ECHO_CHARS) -> str:
    """`value` as text, cut to `limit` characters: errors quote bad input, never echo it back whole."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


class ApiError(Exception):
    """An error a client caused or must hear about; rendered as the seed's error envelope."""

    def __init__(
        self, code: str, details: str = "", *, http_status: int | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        if code not in KINDS:
            raise KeyError(f"unknown error code {code}")
        super().__init__(f"{code}: {details}")
        self.kind = KINDS[code]
        self.code = code
        self.details = details
        self.http_status = http_status or self.kind.http_status
        self.extra = extra or {}  # structured facts beside `details` (e.g. every missing material)

    def message(self, lang: str) -> str:
        return self.kind.en if lang == "en" else self.kind.zh

    def body(self, lang: str) -> dict[str, dict[str, Any]]:
        details = clip(self.details, DETAILS_CHARS)
        return {"error": {"code": self.code, "message": self.message(lang), "details": details, **self.extra}}
