import Datasets
import Tokenizers

/// A small uncased vocabulary: special tokens, a few words and pieces.
func smallTokenizer() throws -> WordPieceTokenizer {
    let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "film", "was", "good", "bad", "very", "not", "at", "all",
                  "un", "##believ", "##able", "!", ",", "a", "plot"]
    let vocabulary = try WordPieceVocabulary(entries: tokens.enumerated().map { (token: $0.element, id: $0.offset) })
    return try WordPieceTokenizer(vocabulary: vocabulary)
}

/// Texts of different lengths under ``smallTokenizer()``, labels cycling over three classes.
func sampleTexts() throws -> LabeledTexts {
    let texts = ["the film was good", "bad", "the film was very very very bad , not good at all !", "unbelievable",
                 "a plot", "the plot was not bad at all", "good !", "the film , the plot , all bad",
                 "very good", "was it good ?", "not at all"]
    return LabeledTexts(texts: texts, labels: texts.indices.map { $0 % 3 },
                        labelMapping: try LabelMapping(names: ["negative", "neutral", "positive"]))
}
