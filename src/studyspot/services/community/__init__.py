"""The community service (port 3011): exam communities, library groups, the library inbox."""
