"""String tables, one module per view: ``STRINGS = {key: (zh, en)}``. Keys are prefixed by the view."""
