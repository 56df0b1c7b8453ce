"""The hall's knowledge: load and check the staff's YAML, match citizens' questions."""
