"""Pure domain code: complaints and their lifecycle, SLA policies, the working-day calendar.

Nothing here imports telegram, sqlalchemy or aiohttp, and nothing reads the clock:
time is passed in.
"""
