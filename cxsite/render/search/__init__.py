"""Full-text search of the site, offline: any substring of the text finds its document.

`text` cuts texts into folded units and keys, `postings` encodes which documents hold a
key, `inverter` makes those lists for a whole site, `index` lays them out in plain
scripts (sharded by key, loaded by search.js from any folder and from file://),
`entries` says what is indexed, and `feature` registers the page, the job and the
derivation. Pure code: it knows nothing of the incremental machinery.
"""
