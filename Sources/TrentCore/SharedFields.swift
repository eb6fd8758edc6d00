/// A value kept in one unchanging object that copies of its owner share: copying the owner is one
/// reference count, however many strings the value holds. Setting it stores a fresh object, so the
/// owner stays a value. What `AuditEvent` and `Key` keep their fields in (a call copies each several
/// times).
@propertyWrapper
struct SharedFields<Value: Sendable>: Sendable {
    private final class Box: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    private var box: Box

    init(wrappedValue: Value) {
        box = Box(wrappedValue)
    }

    var wrappedValue: Value {
        get { box.value }
        set { box = Box(newValue) }
    }

    /// Both read the same object (a copy does, until it is set).
    func isShared(with other: SharedFields) -> Bool { box === other.box }
}
