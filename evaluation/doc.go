// Package evaluation measures how well storybot answers: retrieval recall
// (@1, @3, @5) over a question file, and, with answers, fact hit rate,
// abstention on questions the story does not answer, answer length, citation
// validity, quotation fidelity, latency and tokens, in total and per question
// language. `storybot eval` prints its Report; self-hosters gate a model
// change on it with --fail-under.
//
// The question file is JSON:
//
//	{
//	  "story": "musk-altman-roadster.de",      // optional: the story id to ask about
//	  "stories": "stories",                    // optional: the folder of stories, relative to the file
//	  "questions": [
//	    {
//	      "id": "reservation-date",              // optional; default q1, q2, ...
//	      "lang": "en",                          // the question's language
//	      "story": "musk-altman-roadster.de",    // optional: overrides the file's story
//	      "question": "When did Altman reserve the Roadster?",
//	      "passages": ["Im Juli 2018"],          // distinctive text of the passage(s) that answer it
//	      "facts": [["July 2018", "Juli 2018"]], // each group: acceptable spellings of one required fact
//	      "kind": "answer"                       // "answer" (default), "absent" (the story does not say) or "off-topic"
//	    }
//	  ]
//	}
//
// With several stories loaded, Run asks every question over all of them and
// counts a ranked passage only when it belongs to the question's story.
// sets/ holds the shipped question files: one for the default story, and the
// general sets (sets/general: dev.json and dev2.json for tuning, test.json
// held out).
package evaluation
