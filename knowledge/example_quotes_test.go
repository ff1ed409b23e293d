package knowledge_test

import (
	"fmt"

	"github.com/storybot/storybot/knowledge"
)

func ExampleFindQuotes() {
	s := knowledge.Default()
	for _, q := range knowledge.FindQuotes(s, "Musks", "") {
		fmt.Printf("%s %s: %.40s…\n", q.PassageID, q.Speaker, q.Text)
	}
	// Output:
	// §3 Elon Musk: Und du hast Akt 4 vergessen zu erwähnen,…
	// §5 Elon Musk: Wir sind nah dran. Die Demo wird unverge…
}

func ExampleFindQuotes_topic() {
	s := knowledge.Default()
	for _, q := range knowledge.FindQuotes(s, "", "Demo") {
		fmt.Printf("%s: „%s“\n", q.Speaker, q.Text)
	}
	// Output:
	// Elon Musk: „Wir sind nah dran. Die Demo wird unvergesslich sein“
}

func ExampleStory_Speakers() {
	fmt.Println(knowledge.Default().Speakers())
	// Output: [Elon Musk]
}

// Story.Events is the timeline: dated events by date (a bare year after the
// months of that year), then relative ones in the story's order.
func Example_timeline() {
	for _, e := range knowledge.Default().Events {
		fmt.Printf("%-24s %-7s %s\n", e.Date, e.Sort, e.PassageID)
	}
	// Output:
	// 2015                     2015    §6
	// 2017                     2017    §4
	// Juli 2018                2018-07 §2
	// 2018                     2018    §6
	// innerhalb von 24 Stunden         §3
	// kürzlicher                       §4
	// kürzlichen                       §5
}
