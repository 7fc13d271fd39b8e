extension Tensor {
    /// A tensor whose elements are drawn uniformly from `[low, high)`, in row-major order.
    public static func uniform(_ shape: Shape, low: Float, high: Float,
                               using generator: inout RandomGenerator, requiresGradient: Bool = false) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let x = result.storage.pointer
        for index in 0..<result.elementCount { x[index] = generator.nextFloat(in: low, high) }
        result.requiresGradient = requiresGradient
        return result
    }

    /// A tensor whose elements are drawn from `N(mean, standardDeviation²)`, in row-major order.
    public static func normal(_ shape: Shape, mean: Float = 0, standardDeviation: Float = 1,
                              using generator: inout RandomGenerator, requiresGradient: Bool = false) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let x = result.storage.pointer
        for index in 0..<result.elementCount { x[index] = mean + standardDeviation * generator.nextNormal() }
        result.requiresGradient = requiresGradient
        return result
    }
}
