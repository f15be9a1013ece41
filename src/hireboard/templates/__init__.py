"""Job-description templates: the built-in catalog, organizations' own versions, rendering."""
