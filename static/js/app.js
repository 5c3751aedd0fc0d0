// Small progressive enhancements only; every page works without this file.
