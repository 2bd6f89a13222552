"""Every way in from the outside world (Telegram, HTTP), kept thin."""
