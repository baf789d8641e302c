// swift-tools-version:5.9
// UNBUILT AND UNTESTED: see README.md. No Mac was available where this was written.
import PackageDescription

let package = Package(
    name: "devtrust-keyhelper",
    platforms: [.macOS(.v11)],
    targets: [
        .executableTarget(name: "devtrust-keyhelper", path: "Sources/devtrust-keyhelper")
    ]
)
