"""Reading and checking a site's sources: site.yaml, Markdown documents, YAML records, static files.

Files become checked values here (with every mistake located); nothing here
knows the model objects they become (that is `cxsite.site`).
"""
