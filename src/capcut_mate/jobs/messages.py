"""Human error messages for failed tasks: Chinese (the API's default) and English, both saying what to fix.

The renderer's own message (English, naming the file, URL or segment) is always kept as the details.
"""

from __future__ import annotations

# code -> (what happened, what to do), in Chinese
_ZH: dict[str, tuple[str, str]] = {
    "DRAFT_EMPTY": (
        "草稿为空,没有可渲染的内容",
        "请先用 add_videos / add_images / add_audios / add_captions 添加素材后再提交",
    ),
    "MEDIA_MISSING": (
        "草稿引用的素材文件缺失",
        "请重新添加该素材(add_videos / add_images / add_audios)后再次提交 gen_video",
    ),
    "MEDIA_UNREADABLE": ("素材文件无法读取或解码", "请换成可正常播放的文件后重新添加并提交"),
    "FFMPEG_FAILED": (
        "渲染器内部错误(ffmpeg 编码失败)",
        "这是 capcut-mate 的问题,不是草稿的问题;请把任务 ID 和详情报告给维护者(失败的滤镜图见 gen_video_report)",
    ),
    "FFMPEG_MISSING": ("服务器找不到 ffmpeg", "请管理员安装 ffmpeg 或设置 CAPCUT_MATE_FFMPEG"),
    "DISK_FULL": ("服务器磁盘空间不足", "请清理数据目录或扩容后重新提交"),
    "DRAFT_ENCRYPTED": ("草稿文件已加密,无法渲染", "请用写出明文 JSON 的剪映版本或本服务的接口重新生成草稿"),
    "DRAFT_INVALID": ("草稿文件格式无效", "请检查 draft_content.json 或重新创建草稿"),
    "DRAFT_NOT_FOUND": ("草稿不存在(可能已被删除)", "请重新创建草稿后再提交"),
    "RENDER_CRASHED": ("渲染进程异常退出", "请稍后重新提交;若反复出现请把详情发给管理员"),
}


def failure_messages(code: str, details: str) -> tuple[str, str]:
    """(zh, en) error_message for a failed task."""
    head, hint = _ZH.get(code, ("渲染时发生内部错误", "请稍后重新提交;若反复出现请把详情发给管理员"))
    zh = f"视频生成失败: {head}。{hint}。详情: {details}"
    en = f"video generation failed ({code}): {_EN_HINTS[code] + ': ' if code in _EN_HINTS else ''}{details}"
    return zh, en


# English lead-ins where the code alone would point the user at the wrong culprit.
_EN_HINTS = {
    "FFMPEG_FAILED": "a capcut-mate bug, not a problem with your draft; please report it with the task id "
    "(gen_video_report keeps the filter graph that failed)",
}
