"""capcut-mate: build CapCut/JianYing drafts over HTTP and render them to MP4 headlessly."""

__version__ = "0.1.0"
