import Transformers
import TextTraining
import Training

/// The text classifiers the commands build, save and load.
enum TextModels {
    /// A classifier with a fresh head from the settings' seed.
    static func classifier(weights: BERTWeights, kind: BERTSequenceClassifier.Kind, classCount: Int,
                           settings: TrainingSettings) throws -> BERTSequenceClassifier {
        try BERTSequenceClassifier.fresh(weights: weights, kind: kind, classCount: classCount, settings: settings)
    }

    /// Writes the adapter directory of a trained classifier with its label names.
    static func save(_ classifier: BERTSequenceClassifier, method: TextMethod, labels: [String], to directory: String) throws {
        try classifier.save(to: directory, labels: labels)
    }

    /// The classifier and label names of an adapter directory on `weights`, or, without one,
    /// of the model folder `model` itself (a `BertForSequenceClassification` folder with its
    /// trained `classifier` and `id2label`; `weights` are that folder's), in evaluation mode.
    static func load(adapter: String?, model: String, weights: BERTWeights,
                     allowingNonFiniteValues: Bool) throws -> (classifier: BERTSequenceClassifier, labels: [String]) {
        let (classifier, labels) = if let adapter {
            try BERTSequenceClassifier.load(from: adapter, weights: weights, allowingNonFiniteValues: allowingNonFiniteValues)
        } else {
            try BERTSequenceClassifier.load(modelFolder: model, weights: weights, allowingNonFiniteValues: allowingNonFiniteValues)
        }
        classifier.eval()
        return (classifier, labels)
    }
}
