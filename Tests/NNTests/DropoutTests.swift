import NN
import TensorCore
import Testing

@Suite struct DropoutTests {
    @Test(arguments: [Float(-0.1), 1.5, .infinity, -.infinity])
    func probabilityOutsideZeroToOneIsRefused(probability: Float) {
        var generator = RandomGenerator(seed: 1)
        #expect(throws: DropoutError.invalidProbability(probability)) { try Dropout(probability: probability, using: &generator) }
    }

    @Test func notANumberIsRefusedWithADescription() {
        var generator = RandomGenerator(seed: 1)
        #expect(throws: DropoutError.self) { try Dropout(probability: .nan, using: &generator) }
        #expect(DropoutError.invalidProbability(2).description == "Dropout probability must be between 0 and 1, got 2.0.")
    }

    @Test func evaluationModeIsTheIdentity() throws {
        var generator = RandomGenerator(seed: 1)
        let dropout = try Dropout(probability: 0.7, using: &generator)
        let x = Tensor.uniform([4, 5], low: -1, high: 1, using: &generator)
        dropout.eval()
        #expect(try dropout(x) === x)
    }

    /// PyTorch's inverted dropout: each element is 0 or `x/(1−p)`, about a fraction `p` of
    /// them 0, and the gradient is the same mask (`1/(1−p)` where kept, 0 where dropped).
    @Test func trainingZeroesAboutPAndScalesTheRestByOneOverOneMinusP() throws {
        var generator = RandomGenerator(seed: 2)
        let p: Float = 0.3
        let dropout = try Dropout(probability: p, using: &generator)
        let count = 100_000
        let x = Tensor.uniform([100, 1_000], low: 0.5, high: 1.5, using: &generator, requiresGradient: true)
        let y = try dropout(x)
        y.sum().backward()
        let xs = x.scalars, ys = y.scalars, gradients = try #require(x.gradient).scalars
        var dropped = 0
        for index in 0..<count {
            if ys[index] == 0 {
                dropped += 1
                #expect(gradients[index] == 0)
            } else {
                #expect(ys[index] == xs[index] * (1 / (1 - p)))
                #expect(gradients[index] == 1 / (1 - p))
            }
        }
        // Binomial(100 000, 0.3): standard deviation 145; allow five.
        #expect(abs(Double(dropped) - 30_000) < 5 * 145)
    }

    @Test func probabilityZeroAndOne() throws {
        var generator = RandomGenerator(seed: 4)
        let x = Tensor.uniform([3, 3], low: -1, high: 1, using: &generator)
        #expect(try Dropout(probability: 0, using: &generator)(x) === x)
        #expect(try Dropout(probability: 1, using: &generator)(x).scalars == [Float](repeating: 0, count: 9))
    }

    @Test func modelEvalSwitchesOffDropoutInside() throws {
        var generator = RandomGenerator(seed: 5)
        let model = Sequential([ReLU(), try Dropout(probability: 0.5, using: &generator)])
        let x = Tensor(repeating: 1, shape: [2, 50])
        #expect(try model(x).scalars.contains(0))
        model.eval()
        #expect(try model(x).scalars == x.scalars)
    }

    /// Saving the generators (as a checkpoint does) and putting them back replays the same
    /// masks, bit for bit; two layers built from the same seed draw the same masks.
    @Test func savedGeneratorsReplayTheSameMasks() throws {
        var generator = RandomGenerator(seed: 6)
        let model = Sequential([try Dropout(probability: 0.4, using: &generator), ReLU(),
                                Sequential([try Dropout(probability: 0.2, using: &generator)])])
        let x = Tensor.uniform([8, 16], low: -1, high: 1, using: &generator)
        _ = try model(x)
        let saved = model.namedGenerators()
        #expect(saved.map(\.path) == ["0", "2.0"])
        let next = try model(x).scalars
        try model.restoreGenerators(Dictionary(uniqueKeysWithValues: saved.map { ($0.path, $0.generator) }))
        #expect(try model(x).scalars == next)

        var left = RandomGenerator(seed: 8), right = RandomGenerator(seed: 8)
        let twins = (try Dropout(probability: 0.4, using: &left), try Dropout(probability: 0.4, using: &right))
        #expect(try twins.0(x).scalars == twins.1(x).scalars)
    }

    @Test func restoringWithoutEveryGeneratorChangesNothing() throws {
        var generator = RandomGenerator(seed: 7)
        let first = try Dropout(probability: 0.4, using: &generator), second = try Dropout(probability: 0.4, using: &generator)
        let model = Sequential([first, second])
        let before = model.namedGenerators().map(\.generator)
        #expect(throws: ModuleError.missingGenerator(path: "1")) {
            try model.restoreGenerators(["0": RandomGenerator(seed: 99)])
        }
        #expect(throws: ModuleError.noModule(path: "5")) {
            try model.restoreGenerators(["0": RandomGenerator(seed: 99), "1": RandomGenerator(seed: 98), "5": RandomGenerator(seed: 97)])
        }
        #expect(model.namedGenerators().map(\.generator) == before)
    }
}
