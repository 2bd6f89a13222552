"""Reports as files people look at: the weekly chart (PNG, matplotlib) and the ledger (台账,
.xlsx, openpyxl), rendered from the figures and rows the report service computes. Rendering only:
no SQL, no clock, no decisions; the core never imports this package."""
