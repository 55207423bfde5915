"""The scenario layer: the schema, uncertain parameters, YAML loading, validation rules, realisation
(every uncertain scalar drawn) and the named random streams. Nothing here simulates."""
