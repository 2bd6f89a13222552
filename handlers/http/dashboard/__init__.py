"""The supervisors' dashboard in a browser: server-rendered pages (jinja2), opened only with
a signed, expiring link (``bot.services.dashboard`` decides; these modules draw)."""
