"""aiohttp routes: Open311 API, webhook endpoint, dashboard, metrics, health."""
