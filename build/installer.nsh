; Uplink's NSIS additions (electron-builder.yml: nsis.include).
;
; Uninstalling keeps the streamer's profile (scene collection, settings, saved stream keys, hotkeys)
; unless they ask for it to go: an update, which uninstalls the old version silently, never asks and
; never deletes, and a silent uninstall keeps it too (/SD IDNO). `--delete-app-data` on the
; uninstaller's command line still deletes it without asking (electron-builder's own switch).
; Electron keeps the profile in %APPDATA%\<package name>; the product name's folder is removed as well.
!macro customUnInstall
  ${ifNot} ${isUpdated}
    MessageBox MB_YESNO|MB_ICONQUESTION|MB_DEFBUTTON2 "Also delete your Uplink profile?$\r$\n$\r$\nIt holds your scenes, settings and saved stream keys, and the recordings in Uplink's own recordings folder. Choose No to keep it for a later install." /SD IDNO IDNO uplinkKeepProfile
      ${if} $installMode == "all"
        SetShellVarContext current
      ${endif}
      RMDir /r "$APPDATA\${APP_FILENAME}"
      !ifdef APP_PACKAGE_NAME
        RMDir /r "$APPDATA\${APP_PACKAGE_NAME}"
      !endif
      ${if} $installMode == "all"
        SetShellVarContext all
      ${endif}
    uplinkKeepProfile:
  ${endif}
!macroend
