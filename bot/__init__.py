"""yousu: the 有诉即办 enterprise complaint bot and service of Yanshi District."""

__version__ = "0.1.0"
