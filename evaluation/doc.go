// Package evaluation measures how well storybot answers: retrieval recall
// over a question file, and, with answers, fact hit rate, abstention on
// questions the story does not answer, citation validity, quotation fidelity,
// latency and tokens. `storybot eval` prints its Report; self-hosters gate a
// model change on it with --fail-under.
//
// The question file is JSON:
//
//	{
//	  "story": "musk-altman-roadster.de",      // optional: the story id to ask about
//	  "questions": [
//	    {
//	      "id": "reservation-date",              // optional; default q1, q2, ...
//	      "lang": "en",                          // the question's language
//	      "question": "When did Altman reserve the Roadster?",
//	      "passages": ["Im Juli 2018"],          // distinctive text of the passage(s) that answer it
//	      "facts": [["July 2018", "Juli 2018"]], // each group: acceptable spellings of one required fact
//	      "kind": "answer"                       // "answer" (default), "absent" (the story does not say) or "off-topic"
//	    }
//	  ]
//	}
package evaluation
