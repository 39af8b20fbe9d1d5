"""What makes builds incremental: the state a build leaves, dependency keys, what must be made again.

The model and rendering know nothing of this package; it wraps them (a tracking
template environment, a store of Markdown HTML) and decides what to skip.
"""
