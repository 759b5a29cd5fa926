"""A realistic, seeded demo data set (CONTRACT section 4) with the faults of section 5 planted."""
