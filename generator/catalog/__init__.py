"""Reading content/: the catalog model, the scan, tags, settings, metadata files and the URL scheme.

The bottom wing: it imports nothing from media/, site/ or the build orchestration above them.
"""
