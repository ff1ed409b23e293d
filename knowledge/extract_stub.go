package knowledge

// Placeholders until quotes.go and dates.go land.
func extractQuotes(s *Story) []Quote { return nil }
func extractEvents(s *Story) []Event { return nil }
