"""Browser tests of the book as readers use it (static site, JupyterLab, Binder's install path)."""
