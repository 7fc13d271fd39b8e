import Collectives
import Testing

@Suite("Process groups")
struct ProcessGroupTests {
    @Test(arguments: [(0..<64, 2), (0..<32, 2), (10..<75, 3), (0..<3, 4), (5..<5, 2), (0..<1000, 7)])
    func sharesCoverTheRangeInOrderWithoutOverlap(range: Range<Int>, size: Int) {
        let shares = (0..<size).map { SingleProcessGroup.share(of: range, rank: $0, size: size) }
        #expect(shares.first?.lowerBound == range.lowerBound)
        #expect(shares.last?.upperBound == range.upperBound)
        for (left, right) in zip(shares, shares.dropFirst()) { #expect(left.upperBound == right.lowerBound) }
        let counts = shares.map(\.count)
        #expect(counts.reduce(0, +) == range.count)
        #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= 1)
    }

    @Test func anUnevenBatchIsSplitAsTheFormulaSays() {
        // A last batch of 32 samples starting at 3968 (4,000 samples in batches of 64) at 3 ranks:
        // ⌊32·r/3⌋ gives 0, 10, 21, 32.
        let shares = (0..<3).map { SingleProcessGroup.share(of: 3968..<4000, rank: $0, size: 3) }
        #expect(shares == [3968..<3978, 3978..<3989, 3989..<4000])
    }

    @Test func oneProcessLeavesBuffersAsTheyAre() throws {
        let group = SingleProcessGroup()
        #expect(group.rank == 0 && group.size == 1 && group.isWriter && !group.isDistributed)
        var floats: [Float] = [1.5, -2, .nan]
        try floats.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        #expect(floats[0] == 1.5 && floats[1] == -2 && floats[2].isNaN)
        #expect(try group.allGather([7, 9]) == [[7, 9]])
        #expect(group.share(of: 3..<10) == 3..<10)
    }

    @Test func aProcessNotStartedByMPIRunIsASingleProcess() throws {
        // swift test is not started by mpirun, so nothing of MPI is opened.
        guard ProcessLaunch.announcedRank == nil else { return }
        let group = try ProcessLaunch.processGroup()
        #expect(group is SingleProcessGroup)
    }
}

@Suite("Run fingerprints")
struct RunFingerprintTests {
    @Test func fnv1aMatchesThePublishedTestVectors() {
        // From the FNV reference test suite (Fowler, Noll, Vo): FNV-1a 64 of "", "a", "foobar".
        #expect(RunFingerprint.hash([UInt8]()) == 0xcbf2_9ce4_8422_2325)
        #expect(RunFingerprint.hash(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(RunFingerprint.hash(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    }

    @Test func partsAreKeptInOrderAndCompared() throws {
        var first = RunFingerprint(), second = RunFingerprint()
        first.add("options", text: "--epochs 3")
        first.add("data", bytes: [1, 2, 3])
        second.add("options", text: "--epochs 3")
        second.add("data", bytes: [1, 2, 4])
        #expect(first.parts.map(\.name) == ["options", "data"])
        #expect(first != second)
        #expect(first.parts[0].hash == second.parts[0].hash)
        // One process agrees with itself.
        try SingleProcessGroup().checkAgreement(first)
    }

    @Test func disagreementNamesTheComponentAndTheRanks() {
        let error = CollectivesError.ranksDisagree(component: "model", ranks: [1, 3], size: 4)
        #expect(error.description == "the 4 ranks were not given the same model: rank 1, rank 3 differ from rank 0. "
            + "Every rank must run the same command on the same files (the same paths and contents on every node).")
    }
}
