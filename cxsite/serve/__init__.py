"""`cxsite serve`: the preview server and the source watcher; neither knows how to build."""
