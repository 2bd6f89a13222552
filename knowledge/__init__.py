"""The plans as data: documents -> measures, units and their aliases, synonyms; search and routing.

Pure: no Telegram, no SQL.
"""
