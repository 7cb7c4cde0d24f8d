"""Where the data come from: opening event sources (the store), checking and converting them, the sample generator."""
