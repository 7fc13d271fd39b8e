import TextClassification
import Transformers

extension TextClassificationBatch: LabeledTokenBatch {
    public var encoderInput: BERTEncoderInput { input }
    public var classLabels: ArraySlice<Int> { labels }
}
