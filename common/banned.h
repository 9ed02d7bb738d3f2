/* banned.h - functions too easy to misuse; included last by every .c file. */
#ifndef LC_BANNED_H
#define LC_BANNED_H

#define LC_BANNED(f) sorry_##f##_is_banned_use_snprintf_or_lc_buf

#undef strcpy
#define strcpy(a, b) LC_BANNED(strcpy)
#undef strcat
#define strcat(a, b) LC_BANNED(strcat)
#undef strncpy
#define strncpy(a, b, n) LC_BANNED(strncpy)
#undef sprintf
#define sprintf(...) LC_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) LC_BANNED(vsprintf)
#undef strtok
#define strtok(a, b) LC_BANNED(strtok)
#undef gmtime
#define gmtime(t) LC_BANNED(gmtime)
#undef localtime
#define localtime(t) LC_BANNED(localtime)
#undef ctime
#define ctime(t) LC_BANNED(ctime)
#undef asctime
#define asctime(t) LC_BANNED(asctime)
#undef gets
#define gets(s) LC_BANNED(gets)

#endif
