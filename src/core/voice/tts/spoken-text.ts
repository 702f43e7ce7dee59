/**
 * A reply as it should be heard. Agents answer in Markdown, and espeak-ng reads what it is given:
 * "**bold**" becomes "asterisk asterisk bold asterisk asterisk" and a URL is spelled out letter by
 * letter. Markup is dropped, links keep their text, a bare URL is said as its host, code blocks are
 * left out (read aloud they are noise; the text message has them).
 */
export function spokenText(reply: string): string {
  return reply
    .replace(/```[\s\S]*?(```|$)/g, " ")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    // Greedy, then the sentence's own punctuation is given back (a lazy match with a lookahead is quadratic on "....").
    .replace(/\bhttps?:\/\/([^\s/?#)]+)[^\s)]*/g, (url: string, host: string) => `${host.replace(/^www\./, "").replace(/[.,;:!?]+$/, "")}${/[.,;:!?]*$/.exec(url)![0]}`)
    .replace(/^[ \t]{0,3}(#{1,6}|>+|[-*+](?=\s)|\d+[.)](?=\s))[ \t]*/gm, "")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/\*\*|__|~~/g, "")
    // A single * or _ is emphasis only against a word (not snake_case, not "3 * 4").
    .replace(/(?<![\p{L}\p{N}])[*_](?=\S)|(?<=\S)[*_](?![\p{L}\p{N}])/gu, "")
    .replace(/\|/g, ", ")
    .replace(/[ \t]+/g, " ")
    .trim();
}
