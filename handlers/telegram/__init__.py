"""python-telegram-bot handlers, keyboards, texts and the Telegram notifier."""
