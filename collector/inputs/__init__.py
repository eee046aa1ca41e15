"""Inputs: files, folders, stdin, URL lists and URLs, read and decoded into pages.

`loaders` is the front (`iter_pages`, `iter_files`); `formats` tells containers apart by their
bytes, `encoding` decodes, `fetch` downloads. Nothing here extracts posts or touches the archive.
"""
