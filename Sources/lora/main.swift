import Foundation
import LoRACLI

exit(LoRACommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
