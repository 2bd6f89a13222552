"""Every way in from the outside world (Telegram, HTTP), kept thin; and the files people look
at (``handlers.reports``: the chart and the ledger), rendered from the services' results."""
