import FundCore

/// Splits a SQL file into single statements, because PostgresNIO sends each query as one
/// prepared statement and a prepared statement holds exactly one command.
///
/// Semicolons inside 'strings' (with '' and E'\'' escapes), "identifiers", -- line comments,
/// nested /* block comments */ and $tag$ dollar-quoted bodies $tag$ do not end a statement.
/// Statements that hold nothing but comments and blanks are dropped.
public enum SQLScript {
    public static func statements(in script: String) -> [String] {
        let characters = Array(script)
        var statements: [String] = []
        var current = ""
        var hasCode = false
        var index = 0

        func character(at offset: Int) -> Character? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        func consume(count: Int) {
            current.append(contentsOf: characters[index..<min(index + count, characters.count)])
            index += count
        }
        /// A 'string' or "identifier" from its opening quote: a doubled quote stays inside, and
        /// so does a backslashed character in an E'' string.
        func consumeQuoted(backslashEscapes: Bool) {
            let quote = characters[index]
            hasCode = true
            consume(count: 1)
            while index < characters.count {
                if backslashEscapes && characters[index] == "\\" {
                    consume(count: 2)
                } else if characters[index] == quote {
                    if character(at: 1) == quote {
                        consume(count: 2)
                    } else {
                        consume(count: 1)
                        break
                    }
                } else {
                    consume(count: 1)
                }
            }
        }

        while index < characters.count {
            let c = characters[index]
            if c == "-" && character(at: 1) == "-" {
                while index < characters.count && characters[index] != "\n" { consume(count: 1) }
            } else if c == "/" && character(at: 1) == "*" {
                var depth = 0
                repeat {
                    if characters[index] == "/" && character(at: 1) == "*" {
                        depth += 1
                        consume(count: 2)
                    } else if characters[index] == "*" && character(at: 1) == "/" {
                        depth -= 1
                        consume(count: 2)
                    } else {
                        consume(count: 1)
                    }
                } while depth > 0 && index < characters.count
            } else if c == "'" {
                let backslashEscapes =
                    index > 0 && (characters[index - 1] == "E" || characters[index - 1] == "e")
                    && (index < 2
                        || !(characters[index - 2].isLetter || characters[index - 2].isNumber
                            || characters[index - 2] == "_"))
                consumeQuoted(backslashEscapes: backslashEscapes)
            } else if c == "\"" {
                consumeQuoted(backslashEscapes: false)
            } else if c == "$", let tag = dollarTag(in: characters, at: index) {
                hasCode = true
                consume(count: tag.count)
                while index < characters.count {
                    if characters[index] == "$"
                        && Array(characters[index..<min(index + tag.count, characters.count)]) == tag
                    {
                        consume(count: tag.count)
                        break
                    }
                    consume(count: 1)
                }
            } else if c == ";" {
                if hasCode { statements.append(current.trimmingWhitespace()) }
                current = ""
                hasCode = false
                index += 1
            } else {
                if !c.isWhitespace { hasCode = true }
                consume(count: 1)
            }
        }
        if hasCode { statements.append(current.trimmingWhitespace()) }
        return statements
    }

    /// `$$` or `$tag$` opening a dollar-quoted body; `$1` (a parameter) is not one.
    private static func dollarTag(in characters: [Character], at start: Int) -> [Character]? {
        if start > 0, characters[start - 1].isLetter || characters[start - 1].isNumber || characters[start - 1] == "_" {
            return nil
        }
        var end = start + 1
        while end < characters.count, characters[end] != "$" {
            let c = characters[end]
            guard c.isLetter || c == "_" || (c.isNumber && end > start + 1) else { return nil }
            end += 1
        }
        guard end < characters.count else { return nil }
        return Array(characters[start...end])
    }
}
