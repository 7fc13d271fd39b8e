import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 file server for the download tests, on POSIX sockets.
///
/// It listens on 127.0.0.1 only, on an ephemeral port, and serves the files of a directory
/// (plus in-memory `overrides`) under `/<prefix>/<file name>`, one connection at a time on a
/// background thread, each answered with `Connection: close`. It honours `Range: bytes=N-` and
/// `bytes=N-M` (206 with `Content-Range`, or 416 past the end) unless `ignoreRange` is set, and
/// can cut the first `cutResponses` response bodies short after `cutAfterBytes` bytes (the
/// headers still announce the full length), to simulate a dropped connection, or `stall`: read
/// the request and never answer.
///
/// It is bounded: it stops after `maxRequests` requests or `lifetime` seconds, and every socket
/// read and write has a 2-second time-out, so a test can never hang on it. `stop()` ends it early.
final class LocalHTTPServer: @unchecked Sendable {
    struct Options {
        var ignoreRange = false
        var cutAfterBytes: Int?
        var cutResponses = 1
        var stall = false
        var maxRequests = 64
        var lifetime: TimeInterval = 30
    }

    /// One request as received.
    struct Request: Sendable, Equatable {
        let path: String
        let range: String?
    }

    let port: UInt16
    private let listener: Int32
    private let files: [String: [UInt8]]
    private let options: Options
    private let lock = NSLock()
    private var log: [Request] = []
    private var cutsLeft: Int
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    /// The base URL to give the downloader: `http://127.0.0.1:<port>/<prefix>`.
    let baseURL: URL

    init(directory: String?, overrides: [String: [UInt8]] = [:], prefix: String = "data", options: Options = Options()) throws {
        var files: [String: [UInt8]] = [:]
        if let directory {
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
                let path = (directory as NSString).appendingPathComponent(name)
                files[name] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            }
        }
        for (name, bytes) in overrides { files[name] = bytes }
        self.files = files
        self.options = options
        self.cutsLeft = options.cutResponses

        let fd = socket(AF_INET, Int32(SOCK_STREAM_VALUE), 0)
        guard fd >= 0 else { throw ServerError("socket() failed: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw ServerError("bind/listen on 127.0.0.1 failed: errno \(errno)")
        }
        self.listener = fd
        self.port = boundPort(fd)
        self.baseURL = URL(string: "http://127.0.0.1:\(port)/\(prefix)") ?? URL(fileURLWithPath: "/")
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    deinit { stop() }

    /// The requests received so far.
    var requests: [Request] {
        lock.lock(); defer { lock.unlock() }
        return log
    }

    /// Stops serving and waits (at most 3 s) for the thread to finish.
    func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        if !wasStopped { _ = finished.wait(timeout: .now() + 3) }
    }

    private var isStopped: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopped
    }

    private func serve() {
        defer {
            close(listener)
            finished.signal()
        }
        let deadline = Date().addingTimeInterval(options.lifetime)
        var served = 0
        while !isStopped && Date() < deadline && served < options.maxRequests {
            var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            served += 1
            setTimeouts(client, seconds: 2)
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        guard let head = readHead(client) else { return }
        let lines = head.components(separatedBy: "\r\n")
        let parts = (lines.first ?? "").split(separator: " ")
        guard parts.count >= 2 else { return }
        let path = String(parts[1])
        var range: String?
        for line in lines.dropFirst() {
            if line.lowercased().hasPrefix("range:") {
                range = line.dropFirst(6).trimmingCharacters(in: .whitespaces)
            }
        }
        lock.lock()
        log.append(Request(path: path, range: range))
        lock.unlock()

        if options.stall {
            // Never answer; hold the connection until stopped (bounded by the lifetime).
            let until = Date().addingTimeInterval(options.lifetime)
            while !isStopped && Date() < until { usleep(20_000) }
            return
        }
        let name = String(path.split(separator: "/").last ?? "")
        guard let body = files[name] else {
            reply(client, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        }
        var status = "200 OK"
        var slice = body[...]
        var extra = ""
        if let range, !options.ignoreRange, let (first, last) = parseRange(range) {
            if first >= body.count {
                reply(client, "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */\(body.count)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            }
            let end = min(last ?? body.count - 1, body.count - 1)
            slice = body[first...end]
            status = "206 Partial Content"
            extra = "Content-Range: bytes \(first)-\(end)/\(body.count)\r\n"
        }
        reply(client, "HTTP/1.1 \(status)\r\nContent-Type: application/octet-stream\r\nContent-Length: \(slice.count)\r\n"
             + "Accept-Ranges: bytes\r\n\(extra)Connection: close\r\n\r\n")
        lock.lock()
        var cut: Int?
        if let after = options.cutAfterBytes, cutsLeft > 0 {
            cutsLeft -= 1
            cut = after
        }
        lock.unlock()
        if let cut {
            transmit(client, Array(slice.prefix(cut)))
            return
        }
        transmit(client, Array(slice))
    }

    /// Reads up to the blank line that ends the request head (at most 16 KiB).
    private func readHead(_ client: Int32) -> String? {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while buffer.count < 16384 {
            let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
            if let text = String(bytes: buffer, encoding: .utf8), let end = text.range(of: "\r\n\r\n") {
                return String(text[..<end.lowerBound])
            }
        }
        return nil
    }

    private func reply(_ client: Int32, _ text: String) {
        transmit(client, Array(text.utf8))
    }

    /// Sends all of `bytes` (or as much as the peer takes before closing); never raises SIGPIPE.
    private func transmit(_ client: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return send(client, base + offset, buffer.count - offset, noSignalFlag)
            }
            if n <= 0 { return }
            offset += n
        }
    }
}

struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A socket bound to 127.0.0.1 on an ephemeral port but not listening: connecting to its port
/// is refused, with no race against another process taking the port. Close it with `close()`.
struct RefusingPort {
    let port: UInt16
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM_VALUE), 0)
        guard fd >= 0 else { throw ServerError("socket() failed: errno \(errno)") }
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw ServerError("bind on 127.0.0.1 failed: errno \(errno)")
        }
        self.fd = fd
        self.port = boundPort(fd)
    }

    /// Closes the socket.
    func release() { close(fd) }
}

#if canImport(Glibc)
private let SOCK_STREAM_VALUE = SOCK_STREAM.rawValue
private let noSignalFlag = Int32(MSG_NOSIGNAL)
#else
private let SOCK_STREAM_VALUE = SOCK_STREAM
private let noSignalFlag: Int32 = 0
#endif

private func loopbackAddress(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return address
}

private func boundPort(_ fd: Int32) -> UInt16 {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
}

private func setTimeouts(_ fd: Int32, seconds: Int) {
    var time = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    #if canImport(Darwin)
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size))
    #endif
}

/// Parses `bytes=N-` or `bytes=N-M`.
private func parseRange(_ header: String) -> (Int, Int?)? {
    guard header.hasPrefix("bytes=") else { return nil }
    let spec = header.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
    guard spec.count == 2, let first = Int(spec[0]) else { return nil }
    return (first, spec[1].isEmpty ? nil : Int(spec[1]))
}
