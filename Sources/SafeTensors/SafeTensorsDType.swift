/// The element type of a tensor stored in a safetensors file, spelled exactly as in the
/// header's `"dtype"` field.
///
/// Every dtype known to the reference implementation (huggingface/safetensors) is listed so
/// that any valid file can be opened and inspected; which ones can be *converted* is decided
/// per accessor (see ``SafeTensorsFile/floats(named:)`` and ``SafeTensorsFile/int64s(named:)``).
///
/// All multi-byte types are stored little-endian. The sub-byte types (`F4`, `F6_E2M3`,
/// `F6_E3M2`) are bit-packed; a tensor of those types must hold a whole number of bytes.
public enum SafeTensorsDType: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case bool = "BOOL"
    case f4 = "F4"
    case f6E2M3 = "F6_E2M3"
    case f6E3M2 = "F6_E3M2"
    case u8 = "U8"
    case i8 = "I8"
    case f8E5M2 = "F8_E5M2"
    case f8E4M3 = "F8_E4M3"
    case f8E8M0 = "F8_E8M0"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case c64 = "C64"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// The dtype's name as written in the header (`"F32"`, `"BF16"`, ...).
    public var description: String { rawValue }

    /// Size of one element in bits (4 or 6 for the packed micro-float types).
    public var bitWidth: Int {
        switch self {
        case .f4: return 4
        case .f6E2M3, .f6E3M2: return 6
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        }
    }

    /// Whether the type is an integer (or boolean) type whose values are exact integers.
    public var isInteger: Bool {
        switch self {
        case .bool, .u8, .i8, .i16, .u16, .i32, .u32, .i64, .u64: return true
        default: return false
        }
    }

    /// Whether ``SafeTensorsFile/floats(named:)`` can convert this type to `Float`.
    ///
    /// Everything except the bit-packed micro-floats (`F4`, `F6_*`) and complex `C64`.
    public var isConvertibleToFloat: Bool {
        switch self {
        case .f4, .f6E2M3, .f6E3M2, .c64: return false
        default: return true
        }
    }

    /// Position in the reference implementation's dtype order (its enum declaration order).
    ///
    /// Writers sort tensors by this rank, descending, then by name, exactly as
    /// huggingface/safetensors does, so that wider types come first and every tensor's data
    /// starts at a multiple of its element size.
    var referenceOrder: Int {
        switch self {
        case .bool: return 0
        case .f4: return 1
        case .f6E2M3: return 2
        case .f6E3M2: return 3
        case .u8: return 4
        case .i8: return 5
        case .f8E5M2: return 6
        case .f8E4M3: return 7
        case .f8E8M0: return 8
        case .i16: return 9
        case .u16: return 10
        case .f16: return 11
        case .bf16: return 12
        case .i32: return 13
        case .u32: return 14
        case .f32: return 15
        case .c64: return 16
        case .f64: return 17
        case .i64: return 18
        case .u64: return 19
        }
    }
}
