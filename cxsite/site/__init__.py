"""The site model: frozen model objects, the Site graph, its URL rules and the cross-file checks."""
