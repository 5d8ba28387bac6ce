# EmbedText: a text file as C string literals, one per line (C11 compilers need support
# strings of 4095 characters only), to #include inside an array initializer:
#   static const char *const page[] = {
#   #include "gen.h"
#       NULL};
# Used as a script: cmake -DIN=file -DOUT=header -P EmbedText.cmake. Each line becomes
# "line\n", with backslashes and double quotes escaped; nothing else is changed.
file(READ "${IN}" text)
string(REPLACE "\\" "\\\\" text "${text}")
string(REPLACE "\"" "\\\"" text "${text}")
string(REGEX REPLACE "\n$" "" text "${text}")
string(REPLACE "\n" "\\n\",\n\"" text "${text}")
file(WRITE "${OUT}" "/* generated from ${IN} by cmake/EmbedText.cmake: edit that file */\n\"${text}\\n\",\n")
