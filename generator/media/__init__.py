"""The audio stage: plan, transcode, cache, formats, archives, images, covers and tag writing.

It reads the catalog (catalog/) and the shared leaf modules, never site/ or the orchestration.
"""
