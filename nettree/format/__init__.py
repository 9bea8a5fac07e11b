"""The guideline file format: declared once as data (:mod:`.declare`), checked by one walker
(:mod:`.walk`), built into a :class:`~nettree.Guideline` (:mod:`.build`) with references and
conditions compiled in :mod:`.refs` and the graph checked in :mod:`.structure`; JSON Schemas
(:mod:`.schema`) and the README's key tables (:mod:`.docs`) come from the same declaration."""
