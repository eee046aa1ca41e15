"""Output: the export formats (`export`) and what people read in a terminal (`terminal`).

Both take plain records and write text; neither reads the archive nor extracts anything.
"""
