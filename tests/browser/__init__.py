"""Browser tests: JupyterLab in Debian's Chromium, driven by Playwright along the course's paths."""
