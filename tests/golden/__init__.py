"""Per-seed golden facts (issue #3): the schema, the sealing tool and the graph extraction."""
