// devtrust-keyhelper: the DevTrust agent's Secure Enclave key helper.
//
// UNBUILT AND UNTESTED. Written against Apple's CryptoKit documentation on a machine without
// macOS; it has never been compiled or run. Build and test it on a Mac (README.md) before
// shipping it. The agent side of its protocol is tested against a software stand-in
// (agent/test/keys/fake-key-helpers.ts), which proves the protocol, not this file.
//
// Protocol (one JSON object per line on stdout; errors on stderr with a non-zero exit):
//   probe   -> {"secureEnclave": "available" | "not-available"}
//   create  -> {"publicKey": base64url(65-byte X9.63 point), "keyData": base64(dataRepresentation)}
//   sign    stdin {"keyData": base64, "data": base64} -> {"signature": base64url(64-byte r||s)}
// The private key never leaves the Secure Enclave: keyData is an enclave-encrypted blob that
// only this Mac's enclave can use. The agent keeps it in its data directory (owner-only).

import CryptoKit
import Foundation
import Security

func reply(_ object: [String: String]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { fail("cannot encode the answer") }
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}

func fail(_ message: String, _ code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("devtrust-keyhelper: \(message)\n".utf8))
    exit(code)
}

func base64url(_ data: Data) -> String {
    data.base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

switch CommandLine.arguments.dropFirst().first {
case "probe":
    reply(["secureEnclave": SecureEnclave.isAvailable ? "available" : "not-available"])

case "create":
    guard SecureEnclave.isAvailable else { fail("no Secure Enclave on this Mac", 2) }
    // No user-presence flag: the agent signs in the background (a report every 15 minutes).
    // ThisDeviceOnly: the key is never part of a backup or a migration to another Mac.
    var error: Unmanaged<CFError>?
    guard let access = SecAccessControlCreateWithFlags(
        nil, kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly, .privateKeyUsage, &error)
    else { fail("cannot describe the key's access: \(String(describing: error?.takeRetainedValue()))") }
    do {
        let key = try SecureEnclave.P256.Signing.PrivateKey(compactRepresentable: false, accessControl: access)
        reply([
            "publicKey": base64url(key.publicKey.x963Representation),
            "keyData": key.dataRepresentation.base64EncodedString(),
        ])
    } catch {
        fail("cannot create a Secure Enclave key: \(error)")
    }

case "sign":
    let input = FileHandle.standardInput.readDataToEndOfFile()
    guard let request = try? JSONSerialization.jsonObject(with: input) as? [String: String],
          let keyData = request["keyData"].flatMap({ Data(base64Encoded: $0) }),
          let message = request["data"].flatMap({ Data(base64Encoded: $0) })
    else { fail("sign reads {\"keyData\": base64, \"data\": base64} on stdin", 64) }
    do {
        let key = try SecureEnclave.P256.Signing.PrivateKey(dataRepresentation: keyData)
        // CryptoKit hashes with SHA-256; rawRepresentation is r||s, what the collector verifies.
        let signature = try key.signature(for: message)
        reply(["signature": base64url(signature.rawRepresentation)])
    } catch {
        fail("cannot sign: \(error)")
    }

default:
    fail("usage: devtrust-keyhelper probe | create | sign (request on stdin)", 64)
}
