"""The analyses of the methodology, each reading the monthly aggregates: lifecycle, flow decomposition, planning, preferences, scenes, holidays, campaigns."""
